export { finishMasterKeyRotation, loadOrCreateSecrets, nextMasterKey } from './secrets.js';
