export {
  grantsAllow,
  hashToken,
  isGlobalAdmin,
  newToken,
  tokenFromHeader,
  tokenProblem,
} from './tokens.ts';
