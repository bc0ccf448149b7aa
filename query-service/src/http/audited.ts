import type { AuditAction, AuditStore, DataCategory } from '@mindflow/core/audit';
import type { AccessClaims } from '@mindflow/core/auth';
import { EngineUnavailableError } from '@mindflow/core/breaker';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import type { FastifyRequest } from 'fastify';

/**
 * Records a query of analytics or of the audit trail itself, before the answer leaves: a query
 * that cannot be audited is not answered (503).
 */
export async function recordQuery(
  deps: { readonly audit: AuditStore; readonly logger: Logger },
  request: FastifyRequest,
  caller: AccessClaims,
  action: Extract<AuditAction, 'ANALYTICS_QUERY' | 'AUDIT_QUERY' | 'AUDIT_EXPORT'>,
  metadata: Record<string, unknown>,
): Promise<void> {
  const dataCategory: DataCategory = action === 'ANALYTICS_QUERY' ? 'analytics' : 'compliance';
  try {
    await deps.audit.append([
      {
        eventId: newEventId(),
        userId: caller.userId,
        actorId: caller.userId,
        actorRole: action === 'ANALYTICS_QUERY' ? 'analyst' : 'compliance',
        action,
        timestamp: new Date(),
        metadata: { route: request.routeOptions.url ?? request.url.split('?')[0], ...metadata },
        ipAddress: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        requestId: request.id,
        dataCategory,
      },
    ]);
  } catch (error) {
    // The audit store is down (or its breaker open): 503 ENGINE_UNAVAILABLE with Retry-After.
    if (error instanceof EngineUnavailableError) throw error;
    deps.logger.error({ err: error }, 'a query could not be audited');
    throw new AppError('UNAVAILABLE', 'the query could not be audited, so it is not answered; try again');
  }
}
