/**
 * TEMPORARY: the webhook inbox's delivery types, as the brief's interface
 * gives them, until lib/webhooks/inbox.ts lands on main (inbox-storage).
 * Then this file goes and stripe-events imports them from the inbox.
 */
export type WebhookProvider = "clerk" | "stripe";
export type InboxDelivery = {
  provider: WebhookProvider;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
};
/** Thrown by an effect that cannot happen yet (an earlier event is missing): recorded, retried later. */
export class RetryLater extends Error {}
