-- Appends one audit entry in a single statement (one round trip instead of three): takes the append
-- lock the application took before (the same key, so processes of the previous release and of this
-- one take turns alike), reads the chain's last hash and inserts the entry linked to it. A VOLATILE
-- function's statements each get a fresh snapshot under READ COMMITTED, so the read after the lock
-- sees every entry committed before the lock was granted, as the application's own read did.
-- The hash is the application's: hex SHA-256 over the previous hash, a newline and the entry's
-- canonical JSON (p_content, computed by the caller from the same values it passes here).
CREATE FUNCTION audit_append(
  p_id UUID,
  p_occurred_at TIMESTAMPTZ,
  p_actor VARCHAR,
  p_actor_id UUID,
  p_actor_role VARCHAR,
  p_action VARCHAR,
  p_target_type VARCHAR,
  p_target_id VARCHAR,
  p_changes JSONB,
  p_outcome VARCHAR,
  p_ip_address VARCHAR,
  p_user_agent VARCHAR,
  p_request_id VARCHAR,
  p_content TEXT
) RETURNS "audit_log" AS $$
DECLARE
  previous TEXT;
  appended "audit_log";
BEGIN
  PERFORM pg_advisory_xact_lock(7031982215);
  SELECT "hash" INTO previous FROM "audit_log" ORDER BY "seq" DESC LIMIT 1;
  previous := COALESCE(previous, repeat('0', 64));
  INSERT INTO "audit_log" ("id", "occurred_at", "actor", "actor_id", "actor_role", "action",
      "target_type", "target_id", "changes", "outcome", "ip_address", "user_agent", "request_id",
      "prev_hash", "hash")
    VALUES (p_id, p_occurred_at, p_actor, p_actor_id, p_actor_role, p_action, p_target_type,
      p_target_id, p_changes, p_outcome, p_ip_address, p_user_agent, p_request_id, previous,
      encode(sha256(convert_to(previous || E'\n' || p_content, 'UTF8')), 'hex'))
    RETURNING * INTO appended;
  RETURN appended;
END
$$ LANGUAGE plpgsql VOLATILE;
