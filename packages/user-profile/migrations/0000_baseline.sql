CREATE TABLE "organization_members" (
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "organization_members_pkey" PRIMARY KEY("organization_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"roles" text[] DEFAULT '{user}'::text[] NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organization_members_user_idx" ON "organization_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations" USING btree ("slug");--> statement-breakpoint
-- Tenant isolation for organization-scoped tables, enforced by PostgreSQL in addition to the
-- application's membership checks. The repository runs every statement about one organization
-- as the role latchkey_tenant (`set local role`) with `app.current_org_id` set for the
-- transaction only (`set_config(…, true)`); for that role these policies show and accept only
-- that organization's rows. A statement that forgot to name its organization sees nothing.
-- Roles are cluster-wide: one that exists (another database, a concurrent migration, or a DBA
-- who created it because the migrating role may not: docs/runbooks/migrations.md) is used as it
-- is. Existence is checked first because CREATE ROLE checks the privilege before the name.
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
