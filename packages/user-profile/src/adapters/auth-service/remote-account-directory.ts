import type { InternalHttpClient } from '@latchkey/platform-http';
import type { RequestMeta } from '@latchkey/shared-kernel';
import { AccountDirectory, type AccountView, RegistrationSource } from '../../application/ports';

type WireAccount = Omit<AccountView, 'createdAt'> & { createdAt: string };

const toView = (account: WireAccount): AccountView => ({
  ...account,
  createdAt: new Date(account.createdAt),
});

/**
 * The user service's AccountDirectory: the auth service's accounts over its internal API. Unlike
 * the monolith's, `erase` commits on the auth service before this service's transaction does;
 * a failure after it leaves a profile without an account, which every read already skips (they
 * join on live accounts), and the user's sessions are gone either way.
 */
export class RemoteAccountDirectory extends AccountDirectory implements RegistrationSource {
  constructor(private readonly auth: InternalHttpClient) {
    super();
  }

  async find(userId: string): Promise<AccountView | undefined> {
    const found = await this.auth.call<{ account: WireAccount }>('GET', `/internal/accounts/${userId}`);
    return found && toView(found.account);
  }

  async registrationOf(userId: string): Promise<{ name: string; registeredAt: Date } | undefined> {
    const found = await this.auth.call<{ account: WireAccount; name: string }>(
      'GET',
      `/internal/accounts/${userId}`,
    );
    return found && { name: found.name, registeredAt: new Date(found.account.createdAt) };
  }

  async findMany(userIds: string[]): Promise<AccountView[]> {
    if (userIds.length === 0) return [];
    const found = await this.auth.call<{ accounts: WireAccount[] }>('POST', '/internal/accounts/find-many', {
      ids: userIds,
    });
    return (found?.accounts ?? []).map(toView);
  }

  async findByEmail(email: string): Promise<AccountView | undefined> {
    const query = new URLSearchParams({ email, live: 'true' });
    const found = await this.auth.call<{ accounts: WireAccount[] }>('GET', `/internal/accounts?${query}`);
    const [account] = found?.accounts ?? [];
    return account && toView(account);
  }

  async page(query: { afterId?: string; limit: number; email?: string }): Promise<AccountView[]> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.afterId) params.set('afterId', query.afterId);
    if (query.email) params.set('email', query.email);
    const found = await this.auth.call<{ accounts: WireAccount[] }>('GET', `/internal/accounts?${params}`);
    return (found?.accounts ?? []).map(toView);
  }

  async erase(userId: string, _meta: RequestMeta): Promise<void> {
    // The request id travels in the call's header; the ip and user agent are not kept for it.
    await this.auth.call('DELETE', `/internal/accounts/${userId}`);
  }
}
