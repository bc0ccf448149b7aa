export { parseMasterKey, wrapKey, unwrapKey, generateDataKey } from './keys.js';
export { sealValue, openValue, isSealed, type SealedValue } from './seal.js';
export {
  createUserKeyring,
  openUserKeyring,
  vacuumUserKeys,
  DataKeyDestroyed,
  ForeignMasterKey,
  type UserKeyring,
  type UserKeysTables,
} from './user-keyring.js';
export { checkMasterKey, masterKeyId, MasterKeyMismatch, type MasterKeysTables } from './master-key.js';
export { rotateMasterKey, RotationRefused, type RotationOptions, type RotationResult } from './rotation.js';
export {
  closeUserFence,
  enterUserFence,
  isErasureFenceViolation,
  isUserErased,
  UserErasedError,
  type ErasedUsersTables,
} from './erasure-fence.js';
