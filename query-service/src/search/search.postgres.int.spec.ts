import t from 'tap';
import { searchContract } from './search.contract.js';

// Embedded mode: PostgreSQL full-text search over the read model.
searchContract(t, 'postgres');
