import { Injectable } from '@nestjs/common';
import { slugProblem } from '../domain/organization';
import { OrganizationRepository } from './ports';

export interface SlugAvailability {
  slug: string;
  available: boolean;
  reason?: 'format' | 'reserved' | 'taken';
}

@Injectable()
export class CheckSlug {
  constructor(private readonly organizations: OrganizationRepository) {}

  async execute(slug: string): Promise<SlugAvailability> {
    const problem = slugProblem(slug);
    if (problem) return { slug, available: false, reason: problem };
    if (await this.organizations.slugTaken(slug)) return { slug, available: false, reason: 'taken' };
    return { slug, available: true };
  }
}
