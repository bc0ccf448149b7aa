export { checkedKey, type Mailer, type MailMessage, type MailReceipt } from './message.js';
export { openMailer, smtpFailure } from './transports.js';
export { sendOnce, type MailDeliveriesTables } from './deliveries.js';
export * from './unsubscribe.js';
