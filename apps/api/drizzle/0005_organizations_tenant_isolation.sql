-- Tenant isolation for organization-scoped tables, enforced by PostgreSQL in addition to the
-- application's membership checks. The repository runs every statement about one organization
-- as the role latchkey_tenant (`set local role`) with `app.current_org_id` set for the
-- transaction only (`set_config(…, true)`); for that role these policies show and accept only
-- that organization's rows. A statement that forgot to name its organization sees nothing.
-- Roles are cluster-wide: creating one that exists (another database, a concurrent migration)
-- is not an error.
DO $$
BEGIN
  CREATE ROLE latchkey_tenant NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The API's own database user must be allowed to become it.
DO $$
BEGIN
  EXECUTE format('GRANT latchkey_tenant TO %I', current_user);
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
