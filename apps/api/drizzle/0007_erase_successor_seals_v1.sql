-- Successor seals written before this migration used the refresh-token pepper as HKDF's salt, so
-- their key was HKDF-Expand(stored token hash): anyone holding the table could open them and read
-- the successor, the live refresh token of the chain. The code now derives a separate salt from
-- the server secret; these seals are erased, not re-sealed (their keys cannot be made good). A
-- client replaying a token rotated in the seconds before the upgrade is refused without revoking
-- its session (docs/security.md, "The grace window").
UPDATE "refresh_tokens" SET "sealed_successor" = NULL WHERE "sealed_successor" IS NOT NULL;
