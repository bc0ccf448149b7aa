import serialize from 'canonicalize';

/**
 * RFC 8785 canonical JSON. The package is CommonJS whose typings declare an ES default export;
 * at run time the default import is the function itself.
 */
export const canonicalize = serialize as unknown as (input: unknown) => string | undefined;
