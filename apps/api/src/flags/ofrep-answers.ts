import type { EvaluationResult, FlagMetadata } from '@rampart/flag-evaluation';
import { DomainError } from '@rampart/http';

/** One evaluation as OFREP answers it: a success, or (in a bulk answer) a failure item. */
export type OfrepEvaluation =
  | { key: string; value: unknown; reason: string; variant: string; metadata: FlagMetadata }
  | { key: string; errorCode: string; errorDetails: string; metadata?: FlagMetadata };

export function ofrepEvaluation(result: EvaluationResult): OfrepEvaluation {
  if (result.reason === 'ERROR') {
    return { key: result.key, errorCode: result.errorCode, errorDetails: result.errorDetails };
  }
  return {
    key: result.key,
    value: result.value,
    reason: result.reason,
    variant: result.variant,
    metadata: result.metadata,
  };
}

/**
 * A failed single evaluation as an error answer: problem+json like every error of the API, with
 * OFREP's own members (`key`, `errorCode`, `errorDetails`) alongside, which OpenFeature providers
 * read. FLAG_NOT_FOUND is 404; everything else about the request or the flag is 400.
 */
export function ofrepFailure(key: string | undefined, errorCode: string, errorDetails: string): DomainError {
  const notFound = errorCode === 'FLAG_NOT_FOUND';
  return new DomainError(
    notFound ? 'flag_not_found' : 'flag_evaluation_failed',
    notFound ? 404 : 400,
    errorDetails,
    {
      ...(key !== undefined ? { key } : {}),
      errorCode,
      errorDetails,
    },
  );
}
