import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { ProfileRepository } from './ports';

/** Creates a new user's profile; joins the caller's transaction (registration, sign-up). */
@Injectable()
export class CreateProfile {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(command: { userId: string; name: string; now: Date }): Promise<void> {
    await this.unitOfWork.run(() =>
      this.profiles.create({
        userId: command.userId,
        name: command.name,
        roles: ['user'],
        createdAt: command.now,
        updatedAt: command.now,
      }),
    );
  }
}
