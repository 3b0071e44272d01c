/** Figures a reliability test hands to the summary reporter through its task meta. */
export interface ReliabilityFigures {
  kills?: { total: number; inClaude: number; inDelivery: number };
  rows?: { checked: number; lost: number; twice: number };
  duplicates?: number;
  /** Set by a fault scenario: counted as survived when its test passed. */
  fault?: string;
  /** Set by a hostile-input case: counted as passed when its test passed. */
  hostile?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: ReliabilityFigures;
  }
}
