//! The migration files of `migrations/mongo`, embedded in the binary, and
//! how one is read: a JSON object whose `commands` are database commands
//! run in order (`about` documents the migration; nothing reads it).

use std::fmt::{self, Write as _};

use mongodb::bson::{Bson, Document};
use sha2::{Digest, Sha256};

/// One migration as embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Its number, the `NNNN` of the file name.
    pub(crate) version: u32,
    /// The rest of the file name.
    pub(crate) name: &'static str,
    /// The file's text.
    pub(crate) text: &'static str,
}

/// Every migration, in order. A new file in `migrations/mongo` is added here
/// too (a test checks that the two agree).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "identity",
        text: include_str!("../../../../migrations/mongo/0001_identity.json"),
    },
    Migration {
        version: 2,
        name: "customers",
        text: include_str!("../../../../migrations/mongo/0002_customers.json"),
    },
    Migration {
        version: 3,
        name: "tickets",
        text: include_str!("../../../../migrations/mongo/0003_tickets.json"),
    },
    Migration {
        version: 4,
        name: "interactions",
        text: include_str!("../../../../migrations/mongo/0004_interactions.json"),
    },
    Migration {
        version: 5,
        name: "session_checks",
        text: include_str!("../../../../migrations/mongo/0005_session_checks.json"),
    },
    Migration {
        version: 6,
        name: "email",
        text: include_str!("../../../../migrations/mongo/0006_email.json"),
    },
    Migration {
        version: 7,
        name: "reports",
        text: include_str!("../../../../migrations/mongo/0007_reports.json"),
    },
    Migration {
        version: 8,
        name: "list_indexes",
        text: include_str!("../../../../migrations/mongo/0008_list_indexes.json"),
    },
    Migration {
        version: 9,
        name: "interaction_counters",
        text: include_str!("../../../../migrations/mongo/0009_interaction_counters.json"),
    },
    Migration {
        version: 10,
        name: "ticket_counters",
        text: include_str!("../../../../migrations/mongo/0010_ticket_counters.json"),
    },
    Migration {
        version: 11,
        name: "customer_counters",
        text: include_str!("../../../../migrations/mongo/0011_customer_counters.json"),
    },
    Migration {
        version: 12,
        name: "journey_repeats",
        text: include_str!("../../../../migrations/mongo/0012_journey_repeats.json"),
    },
    Migration {
        version: 13,
        name: "email_counters",
        text: include_str!("../../../../migrations/mongo/0013_email_counters.json"),
    },
];

/// Why a migration file cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not of the migration form.
    #[error("{0}")]
    Form(String),
}

impl Migration {
    /// The SHA-256 of its text, in lower-case hex.
    pub(crate) fn checksum(&self) -> String {
        checksum(self.text)
    }

    /// `0001_identity`: how it is named in messages.
    pub(crate) fn label(&self) -> Label<'_> {
        Label(self.version, self.name)
    }

    /// Its commands, in order.
    pub(crate) fn commands(&self) -> Result<Vec<Document>, FileError> {
        commands(self.text)
    }
}

/// `0001_identity`: how a migration is named in messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label<'a>(pub(crate) u32, pub(crate) &'a str);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}_{}", self.0, self.1)
    }
}

/// The SHA-256 of `text`, in lower-case hex.
pub(crate) fn checksum(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The commands of a migration file: `{"commands": [{…}, …]}`, each a
/// non-empty object, read as extended JSON.
pub(crate) fn commands(text: &str) -> Result<Vec<Document>, FileError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let commands = value
        .get("commands")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| FileError::Form("has no `commands` array".to_owned()))?;
    commands
        .iter()
        .enumerate()
        .map(|(index, command)| match Bson::try_from(command.clone()) {
            Ok(Bson::Document(document)) if !document.is_empty() => Ok(document),
            Ok(_) => Err(FileError::Form(format!(
                "command {index} is not a non-empty object"
            ))),
            Err(error) => Err(FileError::Form(format!("command {index}: {error}"))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_matches_the_files_and_every_file_reads() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/mongo");
        let mut files: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| {
                std::path::Path::new(name)
                    .extension()
                    .is_some_and(|ext| ext == "json")
            })
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.json", m.label()))
            .collect();
        assert_eq!(files, listed);
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                migration.version as usize,
                index + 1,
                "versions are 1, 2, 3, …"
            );
            let on_disk =
                std::fs::read_to_string(format!("{folder}/{}.json", migration.label())).unwrap();
            assert_eq!(on_disk, migration.text);
            let commands = migration.commands().unwrap();
            assert!(!commands.is_empty(), "{}", migration.label());
        }
    }

    #[test]
    fn every_collection_gets_a_validator_and_every_index_a_name() {
        for migration in MIGRATIONS {
            for command in migration.commands().unwrap() {
                if let Ok(name) = command.get_str("create")
                    && name != "locks"
                {
                    assert!(
                        command.get_document("validator").is_ok(),
                        "{name} has a $jsonSchema validator"
                    );
                }
                if let Ok(indexes) = command.get_array("indexes") {
                    for index in indexes {
                        let index = index.as_document().unwrap();
                        assert!(index.get_str("name").is_ok(), "{index}");
                        assert!(index.get_document("key").is_ok(), "{index}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_form_is_checked() {
        assert!(matches!(commands("{"), Err(FileError::Json(_))));
        assert!(matches!(commands("{}"), Err(FileError::Form(_))));
        assert!(matches!(
            commands(r#"{"commands": [1]}"#),
            Err(FileError::Form(_))
        ));
        assert!(matches!(
            commands(r#"{"commands": [{}]}"#),
            Err(FileError::Form(_))
        ));
        let read = commands(r#"{"commands": [{"create": "a", "n": 2}]}"#).unwrap();
        assert_eq!(read, vec![mongodb::bson::doc! { "create": "a", "n": 2 }]);
    }

    #[test]
    fn checksum_is_sha256_hex() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
