import { Injectable } from '@nestjs/common';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { EventSubscription } from '@latchkey/platform-messaging';
import { CreateProfile } from '../../application/create-profile';

/** The user service builds each new account's profile from identity's `UserRegistered`. */
@Injectable()
export class RegisteredProfilesSubscription extends EventSubscription {
  readonly queue = 'user-service.profiles';
  readonly bindings = ['latchkey.identity.user.registered.v1'];

  constructor(private readonly createProfile: CreateProfile) {
    super();
  }

  async handle(event: LatchkeyEvent): Promise<void> {
    const { userId, name } = event.data as { userId: string; name: string };
    // A profile already made by a read (read-your-writes) stays as it is.
    await this.createProfile.execute({ userId, name, now: new Date(event.time), ifAbsent: true });
  }
}
