import type { Id } from "../../convex/_generated/dataModel";
import { Modal } from "./Modal";
import { ShareManager } from "./ShareManager";

/**
 * Sharing one video from the library without leaving it: the share manager (create with defaults,
 * the link copied at once, edit in place, links filtered by status) in one modal dialog.
 */
export function ShareDialog({
  videoId,
  title,
  canEdit,
  onClose,
}: {
  videoId: Id<"videos">;
  title: string;
  canEdit: boolean;
  onClose: () => void;
}) {
  return (
    <Modal title={`Share “${title}”`} onClose={onClose}>
      <ShareManager videoId={videoId} canEdit={canEdit} ready />
    </Modal>
  );
}
