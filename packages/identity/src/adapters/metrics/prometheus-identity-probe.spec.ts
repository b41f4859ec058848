import { Logger } from '@nestjs/common';
import { Metrics } from '@latchkey/platform';
import { PrometheusIdentityProbe, REUSE_DETECTED_LOG_LINE } from './prometheus-identity-probe';

describe('PrometheusIdentityProbe', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts a reuse detection and logs it once, as the warning log-based alarms match', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const metrics = new Metrics(true);
    const probe = new PrometheusIdentityProbe(metrics);
    for (const outcome of ['rotated', 'grace_replay', 'expired', 'revoked', 'invalid'] as const)
      probe.refreshed(outcome);
    expect(warn).not.toHaveBeenCalled();
    probe.refreshed('reuse_detected');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith({ msg: REUSE_DETECTED_LOG_LINE, outcome: 'reuse_detected' });
    const exposition = await metrics.registry.metrics();
    expect(exposition).toMatch(/^latchkey_refresh_reuse_detected_total 1$/m);
  });
});
