-- 0005 session checks: every authenticated request asks whether the sign-in
-- its access token names (a refresh-session family) still has a session of
-- that principal that is not revoked. A family grows by one row per refresh,
-- so the lookup must not scan it: this partial index holds live sessions
-- only (logout, reuse and password changes revoke a family's rows, which
-- then leave the index), keyed by family and principal.
CREATE INDEX refresh_sessions_live_by_family
    ON refresh_sessions (family_id, principal_kind, principal_id)
    WHERE revoked_at IS NULL;
