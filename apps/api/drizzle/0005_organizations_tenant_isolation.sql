-- Tenant isolation for organization-scoped tables, enforced by PostgreSQL in addition to the
-- application's membership checks. The repository runs every statement about one organization
-- as the role latchkey_tenant (`set local role`) with `app.current_org_id` set for the
-- transaction only (`set_config(…, true)`); for that role these policies show and accept only
-- that organization's rows. A statement that forgot to name its organization sees nothing.
-- Roles are cluster-wide: one that exists (another database, a concurrent migration, or a DBA
-- who created it because the migrating role may not: docs/runbooks/migrations.md) is used as it
-- is. Existence is checked first because CREATE ROLE checks the privilege before the name.
-- (Edited once after release to add those checks; the database it leaves is the same, and
-- databases that applied the first version never run it again.)
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'latchkey_tenant') THEN
    CREATE ROLE latchkey_tenant NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The API's own database user must be allowed to become it (already so when a DBA granted it).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'latchkey_tenant', 'MEMBER') THEN
    EXECUTE format('GRANT latchkey_tenant TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO latchkey_tenant;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, organization_members TO latchkey_tenant;
--> statement-breakpoint
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE organization_members ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY organizations_tenant ON organizations TO latchkey_tenant
  USING (id = nullif(current_setting('app.current_org_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.current_org_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY organization_members_tenant ON organization_members TO latchkey_tenant
  USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid)
  WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);
