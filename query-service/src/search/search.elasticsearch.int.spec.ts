import t from 'tap';
import { searchContract } from './search.contract.js';

// Full stack: the search projection into Elasticsearch.
searchContract(t, 'elasticsearch');
