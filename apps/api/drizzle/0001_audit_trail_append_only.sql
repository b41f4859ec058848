-- The audit trail is append-only: rows are never rewritten or removed by the application.
-- Erasure of personal data (a deleted user's ip and user agent) is the one sanctioned exception:
-- it runs with `set local latchkey.audit_erasure = 'on'` inside its own transaction.
CREATE FUNCTION auth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND coalesce(current_setting('latchkey.audit_erasure', true), '') = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'auth_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER auth_events_append_only
  BEFORE UPDATE OR DELETE ON auth_events
  FOR EACH ROW EXECUTE FUNCTION auth_events_append_only();
