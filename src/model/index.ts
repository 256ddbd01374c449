/**
 * Model: the vocabulary every layer speaks (records, roles, statuses, risk classes) and nothing
 * else. Defined below storage and the domain so that entry layers and services import the words,
 * not the database.
 */
export * from './records.js';
