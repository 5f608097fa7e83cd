/**
 * IAM-side statements for reading/writing a secure bucket (the resource side is in secureBucket.ts):
 * the grants' statements (components/common/grants.ts), kept under their former names.
 */
export { bucketReadStatements as readStatements, bucketWriteStatements as writeStatements } from "../common/grants";
