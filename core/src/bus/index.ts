export type { Delivery, EventBus, Subscriber, Subscription, SubscribeOptions } from './types.js';
export { createEmbeddedBus, logOffset, type EmbeddedBusOptions } from './embedded-bus.js';
export { createKafkaBus, eventsTopic, ensureEventsTopic, type KafkaBusOptions } from './kafka-bus.js';
export { toWire, fromWire } from './wire.js';
export { openEventBus, type OpenEventBusOptions } from './open.js';
