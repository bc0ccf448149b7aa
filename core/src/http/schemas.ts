/** Error responses, all in the one error body. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: 'ErrorBody#' }]));
}

export const bearer = [{ bearer: [] }];
