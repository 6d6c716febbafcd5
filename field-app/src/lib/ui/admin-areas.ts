/**
 * The administrators' areas, each with who may open it (the access model's rule): the staff
 * frame's menu and the `/admin` page list the same ones.
 */
import {
  canManageApiKeys,
  canManagePeople,
  canManageResidentNoticeDelivery,
  canManageRouting,
  staffCaller,
  type SessionResponse,
  type StaffCaller,
} from '@fieldfix/shared';

export type AdminArea = {
  href: string;
  /** Its name in the menu. */
  menu: string;
  /** Its page's title. */
  title: string;
  /** What it is for, in a sentence. */
  about: string;
  may: (caller: StaffCaller) => boolean;
};

export const ADMIN_AREAS: readonly AdminArea[] = [
  {
    href: '/admin/mailbox',
    menu: 'Notices',
    title: 'Resident notices',
    about:
      'The messages residents are sent as their cases move (received, scheduled, fixed), and whether each was delivered.',
    may: canManageResidentNoticeDelivery,
  },
  {
    href: '/admin/routing',
    menu: 'Routing',
    title: 'Routing',
    about: 'Which crew gets a new report, by where it is and what it is.',
    may: canManageRouting,
  },
  {
    href: '/admin/people',
    menu: 'People',
    title: 'People',
    about: 'Who signs in: add crew members, leads and administrators, move them, set a new password, end an account.',
    may: canManagePeople,
  },
  {
    href: '/admin/api-keys',
    menu: 'Open311 keys',
    title: 'Open311 keys',
    about: 'Keys for the apps that send the city reports through Open311.',
    may: canManageApiKeys,
  },
];

/** The areas `user` may open, in menu order. */
export function adminAreasFor(user: SessionResponse['user']): AdminArea[] {
  const caller = staffCaller(user);
  return ADMIN_AREAS.filter((a) => a.may(caller));
}
