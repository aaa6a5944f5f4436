//! The generated JWT secret kept beside the SQLite file.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;

/// Where the secret for the database at `db_path` lives: `<db file>.jwt-secret`.
pub fn path_for(db_path: &Path) -> PathBuf {
    let mut name = db_path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".jwt-secret");
    db_path.with_file_name(name)
}

/// Reads the secret kept for `db_path`, or generates (48 random bytes) and
/// stores one with mode 0600.
pub fn load_or_create(db_path: &Path) -> std::io::Result<String> {
    let path = path_for(db_path);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            warn_if_readable_by_others(&path);
            let secret = text.trim().to_owned();
            if secret.len() < 32 {
                return Err(std::io::Error::other(format!(
                    "{} holds fewer than 32 bytes; delete it to generate a new secret",
                    path.display()
                )));
            }
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(error) => Err(error),
    }
}

fn create(path: &Path) -> std::io::Result<String> {
    let mut bytes = [0_u8; 48];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(std::io::Error::other)?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a JWT secret");
    Ok(secret)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the JWT secret file is readable by others; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_mode_0600_and_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("crm.db");
        let first = load_or_create(&db).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(&db).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path_for(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
