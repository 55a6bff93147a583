// Delivers alerts to alerters: each delivery is a row first, then tried with
// backoff; one that never succeeds ends `failed` with its last error. Pending
// rows left by a stopped core are picked up again at start.
import type { AlerterConfig } from "@tugboat/config";
import type { AlertRecord, AlertStore, DeliveryEvent, DeliveryRecord } from "./alert-store.js";
import { alerterWants } from "./filters.js";
import { sendAlert } from "./send.js";

export interface ConfiguredAlerter {
  name: string;
  config: AlerterConfig;
}

export class AlertDelivery {
  private alerters = new Map<string, ConfiguredAlerter>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly deps: {
      store: AlertStore;
      /** Waits before each retry; its length + 1 is the number of attempts. */
      backoffMs: readonly number[];
      log: (line: string) => void;
      defaultZone?: string;
      /** Alerters may post to loopback and private addresses. */
      allowPrivate: boolean;
    },
  ) {}

  setAlerters(alerters: readonly ConfiguredAlerter[]): void {
    this.alerters = new Map(alerters.map((a) => [a.name, a]));
  }

  list(): ConfiguredAlerter[] {
    return [...this.alerters.values()];
  }

  async notify(alert: AlertRecord, event: DeliveryEvent): Promise<void> {
    const now = new Date();
    for (const alerter of this.alerters.values()) {
      if (!alerterWants(alerter.config, alert, now, this.deps.defaultZone)) continue;
      const id = await this.deps.store.addDelivery(alert.id, alerter.name, event);
      this.track(this.attempt(id, alerter.name, alert, event, 0));
    }
  }

  /** Sends a test alert through one alerter now; the delivery is recorded like any other. */
  async test(name: string): Promise<DeliveryRecord> {
    const alerter = this.alerters.get(name);
    if (!alerter) throw new Error(`no alerter named "${name}"`);
    const alert: AlertRecord = {
      id: `test-${Date.now()}`,
      condition: "test",
      type: "Test",
      targetKind: "alerter",
      targetName: name,
      severity: "warning",
      status: "open",
      message: `A test alert from Tugboat to the alerter "${name}".`,
      details: {},
      suppressed: false,
      openedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      resolvedAt: null,
    };
    const id = await this.deps.store.addDelivery(alert.id, name, "test");
    try {
      await sendAlert(alerter.config.endpoint, alert, "test", { allowPrivate: this.deps.allowPrivate });
      await this.deps.store.recordAttempt(id, { status: "sent" });
    } catch (error) {
      await this.deps.store.recordAttempt(id, { status: "failed", error: (error as Error).message });
    }
    const [record] = await this.deps.store.deliveries({ alertId: alert.id });
    return record as DeliveryRecord;
  }

  /** Retries deliveries a previous run left pending. */
  async resume(): Promise<void> {
    for (const delivery of await this.deps.store.deliveries({ status: "pending" })) {
      const alert = await this.deps.store.get(delivery.alertId);
      if (!alert) continue;
      this.track(this.attempt(delivery.id, delivery.alerter, alert, delivery.event, delivery.attempts));
    }
  }

  /** Resolves when no delivery is being sent or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.race([...this.inFlight, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
  }

  /** Stops retrying (what is pending stays pending for the next start) and waits for sends in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>) {
    // A failure to record an attempt (the database) is logged, never an unhandled rejection.
    const safe: Promise<void> = work
      .catch((error: Error) => this.deps.log(`alert delivery: ${error.message}`))
      .then(() => {
        this.inFlight.delete(safe);
      });
    this.inFlight.add(safe);
  }

  private async attempt(id: number, name: string, alert: AlertRecord, event: DeliveryEvent, attempt: number) {
    const alerter = this.alerters.get(name);
    if (!alerter) {
      await this.deps.store.recordAttempt(id, { status: "failed", error: `alerter "${name}" is no longer configured` });
      return;
    }
    try {
      await sendAlert(alerter.config.endpoint, alert, event, { allowPrivate: this.deps.allowPrivate });
      await this.deps.store.recordAttempt(id, { status: "sent" });
    } catch (error) {
      const message = (error as Error).message;
      const wait = this.deps.backoffMs[attempt];
      if (wait === undefined || this.closed) {
        await this.deps.store.recordAttempt(id, { status: this.closed ? "pending" : "failed", error: message });
        if (!this.closed)
          this.deps.log(
            `alert ${alert.type} ${alert.targetName} → ${name}: gave up after ${attempt + 1} attempts: ${message}`,
          );
        return;
      }
      await this.deps.store.recordAttempt(id, {
        status: "pending",
        error: message,
        nextAttemptAt: new Date(Date.now() + wait).toISOString(),
      });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.track(this.attempt(id, name, alert, event, attempt + 1));
      }, wait);
      timer.unref();
      this.timers.add(timer);
    }
  }
}
