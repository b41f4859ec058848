import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { ProfileRepository } from './ports';

/**
 * Creates a new user's profile; joins the caller's transaction (registration, sign-up).
 * `ifAbsent`: a profile the user already has is kept (the user service, building profiles from
 * events that may arrive after a read created it, or twice).
 */
@Injectable()
export class CreateProfile {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(command: { userId: string; name: string; now: Date; ifAbsent?: boolean }): Promise<void> {
    const profile = {
      userId: command.userId,
      name: command.name,
      roles: ['user' as const],
      createdAt: command.now,
      updatedAt: command.now,
    };
    await this.unitOfWork.run(async () => {
      if (command.ifAbsent) await this.profiles.createIfAbsent(profile);
      else await this.profiles.create(profile);
    });
  }
}
