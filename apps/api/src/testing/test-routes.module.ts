import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsEmail, IsInt, IsString, Max, Min } from 'class-validator';

/**
 * Routes that exist only in tests. They are deliberately absent from docs/openapi.yaml: the
 * parity test mounts them to prove an undocumented route is caught, and the platform e2e suite
 * uses the echo route to exercise body parsing and validation before business routes exist.
 */
class EchoBody {
  @IsEmail()
  email!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;

  @IsString()
  note!: string;
}

@Controller('internal')
class TestRoutesController {
  @Get('debug')
  debug(): { ok: true } {
    return { ok: true };
  }

  @Post('echo')
  echo(@Body() body: EchoBody): EchoBody {
    return body;
  }

  @Get('slow')
  async slow(): Promise<{ done: true }> {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { done: true };
  }
}

@Module({ controllers: [TestRoutesController] })
export class TestRoutesModule {}
