//! [`Argon2Hasher`]: the identity context's `PasswordHasher` port on argon2id.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::{Output, PasswordHash as PhcHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use crm_identity::ports::{HasherError, PasswordHasher};
use crm_identity::{Password, PasswordHash};
use crm_kernel::BackendError;

use crate::random;
use crate::slots::{HashingLimits, HashingSlots};

/// Memory cost of OWASP's recommended argon2id configuration: 19 MiB, in KiB.
pub const OWASP_M_COST_KIB: u32 = 19 * 1024;
/// Time cost (passes over memory) of OWASP's recommended argon2id configuration.
pub const OWASP_T_COST: u32 = 2;
/// Parallelism (lanes) of OWASP's recommended argon2id configuration.
pub const OWASP_P_COST: u32 = 1;

/// OWASP's parameters, checked by argon2 at compile time.
const OWASP_PARAMS: Params = match Params::new(OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST, None) {
    Ok(params) => params,
    Err(_) => panic!("the OWASP argon2id parameters are valid"),
};

/// Salt of the dummy hash that `verify(_, None)` checks against. It never
/// protects a real password, so it may be fixed and public.
const DUMMY_SALT: &[u8] = b"crm-auth/no-such-account";

/// Bytes of salt in new hashes (the PHC recommendation).
const SALT_BYTES: usize = 16;

/// Argon2id password hashing, with OWASP's recommended parameters by default
/// (Password Storage Cheat Sheet): m = 19 MiB ([`OWASP_M_COST_KIB`] = 19456 KiB),
/// t = 2 ([`OWASP_T_COST`]), p = 1 ([`OWASP_P_COST`]).
///
/// Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`)
/// with a fresh 16-byte salt from the OS. Verification reads the parameters
/// from the stored string, so raising them later keeps old hashes working.
///
/// Both operations run on tokio's blocking pool, never on an async worker,
/// because one hash takes tens of milliseconds of CPU and 19 MiB of memory;
/// and at most [`HashingLimits::concurrent`] run at once, each reusing memory
/// allocated once, so a flood of sign-ups or sign-ins cannot grow the process
/// (callers beyond the queue limit get [`HasherError::Busy`]).
///
/// For an unknown account (`verify(_, None)`) it verifies the password against
/// a dummy hash with the same parameters and answers `false`, so the response
/// time does not tell whether the email exists.
#[derive(Clone)]
pub struct Argon2Hasher {
    inner: Arc<Inner>,
    slots: Arc<HashingSlots>,
}

/// What the blocking closures share with the hasher.
struct Inner {
    argon2: Argon2<'static>,
    /// Built on first use of `verify(_, None)`; building it costs no hashing.
    dummy: OnceLock<PhcHash>,
}

impl Argon2Hasher {
    /// A hasher with OWASP's recommended argon2id parameters, bounded to
    /// this machine ([`HashingLimits::for_this_machine`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_params(OWASP_PARAMS)
    }

    /// A hasher with other argon2id parameters (for example cheaper ones on a
    /// small machine, after measuring). Existing hashes keep verifying with the
    /// parameters they were made with.
    #[must_use]
    pub fn with_params(params: Params) -> Self {
        Self::with_limits(params, HashingLimits::for_this_machine())
    }

    /// A hasher with these parameters and concurrency limits.
    #[must_use]
    pub fn with_limits(params: Params, limits: HashingLimits) -> Self {
        let blocks = params.block_count();
        Self {
            inner: Arc::new(Inner {
                argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
                dummy: OnceLock::new(),
            }),
            slots: Arc::new(HashingSlots::new(limits, blocks)),
        }
    }

    /// The argon2 parameters new hashes are made with.
    #[must_use]
    pub fn params(&self) -> &Params {
        self.inner.argon2.params()
    }
}

impl Default for Argon2Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = self.params();
        f.debug_struct("Argon2Hasher")
            .field("algorithm", &"argon2id")
            .field("m_cost_kib", &params.m_cost())
            .field("t_cost", &params.t_cost())
            .field("p_cost", &params.p_cost())
            .finish()
    }
}

/// Fills `out` with argon2's output, in `memory` when it is large enough
/// (always, for hashes made with this hasher's parameters); a hash stored
/// with larger parameters gets memory of its own for this one computation.
fn compute(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut [Block],
) -> Result<(), BackendError> {
    let needed = argon2.params().block_count();
    let computed = if let Some(memory) = memory.get_mut(..needed) {
        argon2.hash_password_into_with_memory(password, salt, out, memory)
    } else {
        tracing::debug!(needed, "stored hash needs more memory than a slot holds");
        argon2.hash_password_into(password, salt, out)
    };
    computed.map_err(BackendError::new)
}

impl Inner {
    fn hash(&self, password: &[u8], memory: &mut [Block]) -> Result<String, BackendError> {
        let salt: [u8; SALT_BYTES] = random::bytes();
        let params = self.argon2.params();
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let mut buffer = [0_u8; Output::MAX_LENGTH];
        let out = buffer
            .get_mut(..output_len)
            .ok_or_else(|| BackendError::msg("argon2 output length out of range"))?;
        compute(&self.argon2, password, &salt, out, memory)?;
        let phc = PhcHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: params.try_into().map_err(BackendError::new)?,
            salt: Some(Salt::new(&salt).map_err(BackendError::new)?),
            hash: Some(Output::new(out).map_err(BackendError::new)?),
        };
        Ok(phc.to_string())
    }

    fn verify(
        &self,
        password: &[u8],
        stored: Option<&str>,
        memory: &mut [Block],
    ) -> Result<bool, BackendError> {
        let Some(stored) = stored else {
            // Same work as a real verification; the answer is always no.
            let dummy = self.dummy()?;
            Self::matches(password, dummy, memory)?;
            return Ok(false);
        };
        let parsed = PhcHash::new(stored).map_err(|error| {
            tracing::error!(%error, "stored password hash is not a PHC string");
            BackendError::msg(format!("stored password hash is not a PHC string: {error}"))
        })?;
        Self::matches(password, &parsed, memory).inspect_err(|error| {
            tracing::error!(%error, "stored password hash cannot be verified");
        })
    }

    /// Whether `password` gives `stored`'s output, compared in constant time.
    fn matches(
        password: &[u8],
        stored: &PhcHash,
        memory: &mut [Block],
    ) -> Result<bool, BackendError> {
        let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
            return Err(BackendError::msg(
                "stored password hash has no salt or no output",
            ));
        };
        let algorithm =
            Algorithm::try_from(stored.algorithm.as_str()).map_err(BackendError::new)?;
        let version = stored
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(BackendError::new)?
            .unwrap_or_default();
        let params = Params::try_from(stored).map_err(BackendError::new)?;
        let argon2 = Argon2::new(algorithm, version, params);
        let mut out = vec![0_u8; expected.len()];
        compute(&argon2, password, salt.as_ref(), &mut out, memory)?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out).map_err(BackendError::new)? == *expected)
    }

    /// A PHC hash with this hasher's parameters and an all-zero output: checking
    /// a password against it costs one full argon2id computation.
    fn dummy(&self) -> Result<&PhcHash, BackendError> {
        if let Some(dummy) = self.dummy.get() {
            return Ok(dummy);
        }
        let params = self.argon2.params();
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let dummy = PhcHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: params.try_into().map_err(BackendError::new)?,
            salt: Some(Salt::new(DUMMY_SALT).map_err(BackendError::new)?),
            hash: Some(Output::new(&vec![0; output_len]).map_err(BackendError::new)?),
        };
        Ok(self.dummy.get_or_init(|| dummy))
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    #[tracing::instrument(level = "debug", name = "argon2.hash", skip_all)]
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HasherError> {
        let inner = Arc::clone(&self.inner);
        let password = password.expose().to_owned();
        let phc = self
            .slots
            .run(move |memory| inner.hash(password.as_bytes(), memory))
            .await?;
        Ok(PasswordHash::from_phc(phc))
    }

    #[tracing::instrument(level = "debug", name = "argon2.verify", skip_all, fields(known = hash.is_some()))]
    async fn verify<'a>(
        &self,
        password: &Password,
        hash: Option<&'a PasswordHash>,
    ) -> Result<bool, HasherError> {
        let inner = Arc::clone(&self.inner);
        let password = password.expose().to_owned();
        let stored = hash.map(|hash| hash.as_str().to_owned());
        self.slots
            .run(move |memory| inner.verify(password.as_bytes(), stored.as_deref(), memory))
            .await
    }
}

#[cfg(test)]
mod tests;
