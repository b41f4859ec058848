/** Who is asking, as recorded in sessions and the audit trail. Transport-neutral. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
