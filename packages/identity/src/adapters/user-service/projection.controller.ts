import { Body, Controller, HttpCode, Param, Post, VERSION_NEUTRAL } from '@nestjs/common';
import { uuidParam } from '@latchkey/platform-http';
import { ValidationFailed } from '@latchkey/shared-kernel';
import { RenameProjectedUser } from '../../application/rename-projected-user';

/** The user service's synchronous updates of the claims projection (internal callers only). */
@Controller({ path: 'internal', version: VERSION_NEUTRAL })
export class ProjectionController {
  constructor(private readonly rename: RenameProjectedUser) {}

  @Post('accounts/:id/name')
  @HttpCode(204)
  async renamed(@Param('id', uuidParam('id')) id: string, @Body() body: { name?: unknown }): Promise<void> {
    const name = body?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
      throw new ValidationFailed([{ field: 'name', message: 'name must be a non-empty string' }]);
    await this.rename.execute(id, name);
  }
}
