/** Global roles. Everyone is a `user`; `admin` is granted explicitly. */
export type GlobalRole = 'user' | 'admin';

export interface Profile {
  userId: string;
  name: string;
  roles: GlobalRole[];
  createdAt: Date;
  updatedAt: Date;
}
