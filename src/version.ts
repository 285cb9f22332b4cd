/** The version of `hit`, printed by `hit --version`. */
export const VERSION = "0.1.0";
