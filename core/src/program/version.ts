/** The platform's version, shown in OpenAPI documents and `mindflow --version`. */
export const version = '0.1.0';
