import type { Id } from "../../convex/_generated/dataModel";
import { Modal } from "./Modal";
import { ShareManager } from "./ShareManager";

/**
 * Sharing one video, from the library or its own page: the share manager (create with defaults,
 * the link copied at once, edit in place, links filtered by status) in one modal dialog.
 * `ready` false (a video still processing): its links are listed, no new one can be made.
 */
export function ShareDialog({
  videoId,
  title,
  canEdit,
  ready = true,
  onClose,
}: {
  videoId: Id<"videos">;
  title: string;
  canEdit: boolean;
  ready?: boolean;
  onClose: () => void;
}) {
  return (
    <Modal title={`Share “${title}”`} onClose={onClose}>
      <ShareManager videoId={videoId} canEdit={canEdit} ready={ready} />
    </Modal>
  );
}
