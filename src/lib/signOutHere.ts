/**
 * Whether this tab asked to sign out (Header's Sign out): sign-in then says nothing, while a
 * session lost otherwise (another tab signed out, or it ended) is explained there.
 */
export const signOutHere = { asked: false };
