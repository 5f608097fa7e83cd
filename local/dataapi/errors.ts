/** Exception names the RDS Data API returns (the SDK maps them to its error classes). */
export type DataApiErrorName =
    "BadRequestException" | "DatabaseErrorException" | "DatabaseNotFoundException" | "ForbiddenException" | "NotFoundException" | "StatementTimeoutException" | "TransactionNotFoundException" | "InternalServerErrorException";

const STATUS: Record<DataApiErrorName, number> = {
    BadRequestException: 400,
    DatabaseErrorException: 400,
    DatabaseNotFoundException: 404,
    ForbiddenException: 403,
    NotFoundException: 404,
    StatementTimeoutException: 400,
    TransactionNotFoundException: 404,
    InternalServerErrorException: 500,
};

/** An error answered as the service does: HTTP status, `x-amzn-ErrorType` header, `{"message": ...}` body. */
export class DataApiError extends Error {
    readonly status: number;
    constructor(
        readonly errorName: DataApiErrorName,
        message: string,
    ) {
        super(message);
        this.name = errorName;
        this.status = STATUS[errorName];
    }
}

export const badRequest = (message: string) => new DataApiError("BadRequestException", message);

interface PgErrorLike {
    message: string;
    code?: string;
    position?: string;
    detail?: string;
    hint?: string;
}

/** PostgreSQL error text the way the Data API reports it (server message, position, SQLState). */
export function databaseError(err: PgErrorLike): DataApiError {
    let text = `ERROR: ${err.message}`;
    if (err.detail) text += `\n  Detail: ${err.detail}`;
    if (err.hint) text += `\n  Hint: ${err.hint}`;
    if (err.position) text += `\n  Position: ${err.position}`;
    text += `; SQLState: ${err.code ?? "XX000"}`;
    return new DataApiError("DatabaseErrorException", text);
}

export function isPgError(err: unknown): err is PgErrorLike & Error {
    return err instanceof Error && typeof (err as { code?: unknown }).code === "string" && "severity" in err;
}
