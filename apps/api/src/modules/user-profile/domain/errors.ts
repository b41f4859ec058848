import { DomainError } from '../../../shared-kernel/domain-error';

/** No such user, or not one the caller may see: the same answer for both. */
export class UserNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor() {
    super('No such user');
  }
}

export class AdminRequired extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor() {
    super('Only an admin may do this');
  }
}

export class LastAdmin extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('This would leave no admin: grant admin to someone else first');
  }
}
