CREATE TABLE "audit_forward" (
	"id" uuid PRIMARY KEY NOT NULL,
	"xact" bigint DEFAULT (pg_current_xact_id()::text)::bigint NOT NULL,
	"type" text NOT NULL,
	"user_id" uuid NOT NULL,
	"record" jsonb,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"settled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "audit_forward_due_idx" ON "audit_forward" USING btree ("xact","id") WHERE "audit_forward"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "audit_forward_key_idx" ON "audit_forward" USING btree ("user_id","xact","id") WHERE "audit_forward"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "audit_forward_settled_idx" ON "audit_forward" USING btree ("settled_at") WHERE "audit_forward"."status" <> 'pending';