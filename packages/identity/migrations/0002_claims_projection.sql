CREATE TABLE "claims_projection" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"roles" jsonb NOT NULL,
	"memberships" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
