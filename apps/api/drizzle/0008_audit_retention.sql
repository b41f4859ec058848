CREATE INDEX "auth_events_occurred_idx" ON "auth_events" USING btree ("occurred_at");--> statement-breakpoint
-- Retention (AUDIT_EVENTS_RETENTION, `pnpm audit-events purge`): the second sanctioned exception
-- to append-only. A transaction that sets `latchkey.audit_retention_before` may delete events that
-- occurred before that instant, and nothing newer: a purge cannot reach into the retained window,
-- however it was invoked.
CREATE OR REPLACE FUNCTION auth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  retention_before text := nullif(current_setting('latchkey.audit_retention_before', true), '');
BEGIN
  IF TG_OP = 'UPDATE' AND coalesce(current_setting('latchkey.audit_erasure', true), '') = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' AND retention_before IS NOT NULL AND OLD.occurred_at < retention_before::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'auth_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
