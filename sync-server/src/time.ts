export { dateIn as cityDate } from '@fieldfix/shared';
