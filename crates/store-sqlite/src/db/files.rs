//! The files of the store are private: the database holds password hashes
//! and personal data, so the folders the store creates for it are 0700 and
//! the database file 0600, whatever the process's umask.
//!
//! SQLite creates the `-wal` and `-shm` files (and a rollback journal) with
//! the database file's own permissions, setting them explicitly rather
//! than through the umask, so creating the database file with mode 0600
//! before SQLite opens it makes them 0600 too. On other platforms than Unix
//! the files get the platform's defaults.

use std::io;
use std::path::Path;

/// The mode of the folders the store creates.
#[cfg(unix)]
const FOLDER_MODE: u32 = 0o700;
/// The mode of the database file the store creates.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// Creates `folder` and every missing parent, each readable by the owner
/// only. Folders that exist are left as they are.
pub(crate) fn create_private_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        // The umask can only take bits away from 0700: never looser.
        builder.mode(FOLDER_MODE);
    }
    builder.create(folder)
}

/// Creates the database file at `path`, empty and readable by the owner
/// only, unless it exists (an existing file keeps its mode; a warning says
/// when others may read it). SQLite treats an empty file as a new database.
pub(crate) fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            warn_if_shared(path);
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Logs a warning when the existing database file is open to its group or
/// to others (a database created by an older release, or copied).
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the database file may be read by other users; `chmod 600` it (and its -wal and -shm files)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
