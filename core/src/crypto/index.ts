export { parseMasterKey, wrapKey, unwrapKey, generateDataKey } from './keys.js';
export { sealValue, openValue, isSealed, type SealedValue } from './seal.js';
export { createUserKeyring, DataKeyDestroyed, type UserKeyring, type UserKeysTables } from './user-keyring.js';
