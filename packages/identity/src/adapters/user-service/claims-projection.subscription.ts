import { Injectable } from '@nestjs/common';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { EventSubscription } from '@latchkey/platform-messaging';
import { ProjectProfileFacts } from '../../application/project-profile-facts';
import { PROFILE_FACT_BINDINGS, profileFactsOf } from './profile-facts';

/** The auth service's claims projection, fed by the user service's events. */
@Injectable()
export class ClaimsProjectionSubscription extends EventSubscription {
  readonly queue = 'auth-service.claims-projection';
  readonly bindings = PROFILE_FACT_BINDINGS;

  constructor(private readonly project: ProjectProfileFacts) {
    super();
  }

  handle(event: LatchkeyEvent): Promise<void> {
    return this.project.execute(profileFactsOf(event), event.id);
  }
}
