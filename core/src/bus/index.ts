export type { Delivery, EventBus, Subscriber, Subscription, SubscribeOptions } from './types.js';
export { DeliverAgain } from './types.js';
export { createEmbeddedBus, logOffset, checkpointOf, type EmbeddedBusOptions } from './embedded-bus.js';
export { createKafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { defaultTopicSettings, ensureEventsTopic, eventsTopic, type EventsTopic } from './topic.js';
export type { EventsTopicSettings } from '../config/index.js';
export { eventKey, partitionOf } from './partition.js';
export { toWire, fromWire, toWireReference, readWire, type EventReference } from './wire.js';
export { openEventBus, type EventBusChoice, type OpenEventBusOptions, type OpenedEventBus } from './open.js';
