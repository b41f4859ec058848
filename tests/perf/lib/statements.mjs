// Statements the API sends, as the SQL ceilings send them: the same text shape, parameters and
// plans (DrizzleProfileRepository.findAccessClaims), so a ceiling's database cost is the API's.

/** An access token's claims: the user's roles and organization memberships, one round trip. */
export const ACCESS_CLAIMS = `
  select "roles", coalesce((
    select json_agg(json_build_object('organizationId', m.organization_id, 'role', m.role) order by m.created_at, m.organization_id)
    from organization_members m where m.user_id = "profiles"."user_id"
  ), '[]'::json) from "profiles" where "profiles"."user_id" = $1 limit $2`;
