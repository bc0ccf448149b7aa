export { AppError, InfrastructureError, isAppError } from './app-error.js';
export { errorCodes, type ErrorCode } from './codes.js';
