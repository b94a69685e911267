//! Turns an upload (a multipart form of files and pasted text, or a raw request body) into files in
//! a private temporary folder that `actdoc_logs::scan` can read, because the scan reads paths and
//! must see exactly what the command line would. The folder is created here, named by the
//! operating system, and deleted when the [`Upload`] is dropped (after the scan, or when a request
//! is abandoned). File names from the request only ever become sanitised components below that
//! folder: no request can name a path outside it.
//!
//! Every part is streamed to disk as it arrives, pasted text included: no upload is held whole in
//! memory. The server's [`Budget`] bounds how many uploads are in progress at once and how many
//! bytes they hold in temporary files together; past either, the upload is refused (503) rather
//! than queued with its body half-read.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::Multipart;
use http_body::Body as _;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The folder the uploaded files go in; it is also the source label of files uploaded loose, as
/// a folder's name is for `actdoc scan FOLDER`.
pub(crate) const ROOT_NAME: &str = "upload";
/// Files in one upload; more is a scan, not a helpdesk question.
const MAX_FILES: usize = 10_000;
/// Path components kept from a name (a folder upload sends `fleet/pc-a/Application.evtx`).
const MAX_DEPTH: usize = 4;
const MAX_COMPONENT: usize = 100;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UploadError {
    /// The request could not be read as an upload (broken multipart, read error); 400.
    Unreadable(String),
    /// A form field this endpoint does not take; 400.
    UnknownField(String),
    TooManyFiles,
    /// Every upload slot is taken; 503, try again shortly.
    Busy {
        slots: usize,
    },
    /// The temporary space all uploads share is spent; 503, try again shortly.
    NoSpace {
        space: usize,
    },
    /// The server could not store the upload (disk full, no temp folder); 500.
    Store(String),
}

impl UploadError {
    /// Whether the server is full rather than the request wrong: 503 with `Retry-After`.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(self, UploadError::Busy { .. } | UploadError::NoSpace { .. })
    }
}

/// Seconds a refused upload is told to wait (`Retry-After`): about one analysis.
pub(crate) const RETRY_AFTER_BUSY: u64 = 30;

/// Uploads in progress and the bytes their temporary files hold, for the whole server.
#[derive(Debug)]
pub(crate) struct Budget {
    slots: Arc<Semaphore>,
    slot_count: usize,
    space: usize,
    used: AtomicUsize,
}

impl Budget {
    pub(crate) fn new(slots: usize, space: usize) -> Budget {
        let slot_count = slots.max(1);
        Budget { slots: Arc::new(Semaphore::new(slot_count)), slot_count, space, used: AtomicUsize::new(0) }
    }

    /// A slot for one upload, at once or not at all.
    fn slot(self: &Arc<Self>) -> Result<Slot, UploadError> {
        let permit =
            self.slots.clone().try_acquire_owned().map_err(|_| UploadError::Busy { slots: self.slot_count })?;
        Ok(Slot { _permit: permit, budget: self.clone(), held: 0 })
    }
}

/// One upload's slot and the temporary bytes it holds; both are given back when it drops.
#[derive(Debug)]
struct Slot {
    _permit: OwnedSemaphorePermit,
    budget: Arc<Budget>,
    held: usize,
}

impl Slot {
    /// Counts `n` more bytes against the shared space, or refuses them all.
    fn reserve(&mut self, n: usize) -> Result<(), UploadError> {
        let budget = &self.budget;
        budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= budget.space)
            })
            .map_err(|_| UploadError::NoSpace { space: budget.space })?;
        self.held += n;
        Ok(())
    }

    fn release(&mut self, n: usize) {
        let n = n.min(self.held);
        self.held -= n;
        self.budget.used.fetch_sub(n, Ordering::AcqRel);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.held, Ordering::AcqRel);
    }
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadError::Unreadable(why) => write!(f, "the upload could not be read: {why}"),
            UploadError::UnknownField(name) => write!(
                f,
                "unknown form field `{name}`: send files (any field with a file name), `text` (pasted output), `lang` or `as_of`"
            ),
            UploadError::TooManyFiles => write!(f, "more than {MAX_FILES} files in one upload: send them in batches"),
            UploadError::Busy { slots } => {
                write!(f, "the server is busy with {slots} other uploads: try again in {RETRY_AFTER_BUSY} seconds")
            }
            UploadError::NoSpace { space } => write!(
                f,
                "the server's temporary space for uploads ({} MiB for all uploads together) is full: try again in \
                 {RETRY_AFTER_BUSY} seconds, or send less at a time",
                space / crate::config::MIB
            ),
            UploadError::Store(why) => write!(f, "the server could not store the upload: {why}"),
        }
    }
}

/// The files of one request, on disk until dropped.
#[derive(Debug)]
pub(crate) struct Upload {
    /// Deleted with everything in it when the upload is dropped (before `slot` gives the space
    /// back: fields drop in order).
    dir: TempDir,
    slot: Slot,
    /// The sanitised relative path of each file written.
    files: Vec<Vec<String>>,
    taken: HashSet<String>,
    /// Form fields that are parameters, not files.
    pub lang: Option<String>,
    pub as_of: Option<String>,
}

impl Upload {
    fn new(budget: &Arc<Budget>) -> Result<Upload, UploadError> {
        let slot = budget.slot()?;
        let dir = tempfile::Builder::new()
            .prefix("actdoc-upload-")
            .tempdir()
            .map_err(|e| UploadError::Store(format!("cannot create a temporary folder: {e}")))?;
        std::fs::create_dir(dir.path().join(ROOT_NAME))
            .map_err(|e| UploadError::Store(format!("cannot create a folder: {e}")))?;
        Ok(Upload { dir, slot, files: Vec::new(), taken: HashSet::new(), lang: None, as_of: None })
    }

    /// Reads a multipart form: every part with a file name is a file; `text` (or `paste`) is pasted
    /// output, stored as sent; `lang` and `as_of` are parameters.
    pub(crate) async fn from_multipart(mut multipart: Multipart, budget: &Arc<Budget>) -> Result<Upload, UploadError> {
        let mut upload = Upload::new(budget)?;
        let mut pasted = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(|e| UploadError::Unreadable(e.body_text()))? {
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(ToString::to_string);
            match (file_name, name.as_str()) {
                (Some(file_name), _) => {
                    // A file input left empty still sends a part with no name and no bytes.
                    let mut first = field.chunk().await.map_err(|e| UploadError::Unreadable(e.body_text()))?;
                    if file_name.is_empty() && first.as_ref().is_none_or(axum::body::Bytes::is_empty) {
                        continue;
                    }
                    let mut file = upload.create(&file_name).await?;
                    while let Some(chunk) = first.take() {
                        upload.store(&mut file, &chunk).await?;
                        first = field.chunk().await.map_err(|e| UploadError::Unreadable(e.body_text()))?;
                    }
                    file.flush().await?;
                }
                (None, "text" | "paste") => {
                    // Streamed like a file: pasted output can be as large as the upload limit,
                    // and many readers may paste at once.
                    let mut file = None;
                    let (mut stored, mut any_text) = (0, false);
                    while let Some(chunk) = field.chunk().await.map_err(|e| UploadError::Unreadable(e.body_text()))? {
                        if chunk.is_empty() {
                            continue;
                        }
                        if file.is_none() {
                            let name = if pasted == 0 {
                                "pasted.txt".to_string()
                            } else {
                                format!("pasted-{}.txt", pasted + 1)
                            };
                            file = Some(upload.create(&name).await?);
                        }
                        if let Some(file) = file.as_mut() {
                            upload.store(file, &chunk).await?;
                        }
                        stored += chunk.len();
                        any_text |= chunk.iter().any(|b| !b.is_ascii_whitespace());
                    }
                    let Some(mut file) = file else { continue };
                    file.flush().await?;
                    drop(file);
                    if any_text {
                        pasted += 1;
                    } else {
                        // An empty text box (or only blanks) is no file at all.
                        upload.discard_last(stored).await?;
                    }
                }
                (None, "lang") => upload.lang = Some(small_field(field).await?),
                (None, "as_of") => upload.as_of = Some(small_field(field).await?).filter(|s| !s.trim().is_empty()),
                (None, other) => return Err(UploadError::UnknownField(other.chars().take(64).collect())),
            }
        }
        Ok(upload)
    }

    /// Stores a raw request body as one file; its content says what it is.
    pub(crate) async fn from_body(mut body: Body, budget: &Arc<Budget>) -> Result<Upload, UploadError> {
        let mut upload = Upload::new(budget)?;
        let mut file: Option<tokio::fs::File> = None;
        while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            let frame = frame.map_err(|e| UploadError::Unreadable(e.to_string()))?;
            let Some(data) = frame.data_ref() else { continue };
            if data.is_empty() {
                continue;
            }
            if file.is_none() {
                file = Some(upload.create("request-body").await?);
            }
            if let Some(file) = file.as_mut() {
                upload.store(file, data).await?;
            }
        }
        if let Some(mut file) = file {
            file.flush().await?;
        }
        Ok(upload)
    }

    /// Writes `bytes` to `file` once the shared temporary space has room for them.
    async fn store(&mut self, file: &mut tokio::fs::File, bytes: &[u8]) -> Result<(), UploadError> {
        self.slot.reserve(bytes.len())?;
        file.write_all(bytes).await?;
        Ok(())
    }

    /// Deletes the file created last, and gives back the `bytes` it held.
    async fn discard_last(&mut self, bytes: usize) -> Result<(), UploadError> {
        if let Some(parts) = self.files.pop() {
            let key = parts.join("/").to_lowercase();
            self.taken.remove(&key);
            let mut path = self.root();
            path.extend(&parts);
            tokio::fs::remove_file(&path).await?;
        }
        self.slot.release(bytes);
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// What to hand to the scan: the upload folder, or the one folder every file is in (a folder
    /// upload of `fleet/` with a subfolder per machine reads like `actdoc scan fleet`).
    pub(crate) fn scan_root(&self) -> PathBuf {
        let first = self.files.first().and_then(|f| f.first());
        match first {
            Some(first) if self.files.iter().all(|f| f.len() >= 2 && f.first() == Some(first)) => {
                self.root().join(first)
            }
            _ => self.root(),
        }
    }

    /// The folder's own path, which must never be shown: reports name files relative to it.
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join(ROOT_NAME)
    }

    /// Creates a new file for `name` (sanitised, made unique) below the upload folder.
    async fn create(&mut self, name: &str) -> Result<tokio::fs::File, UploadError> {
        if self.files.len() >= MAX_FILES {
            return Err(UploadError::TooManyFiles);
        }
        let mut parts = sanitize(name);
        if parts.is_empty() {
            parts.push(format!("file-{}", self.files.len() + 1));
        }
        // A name that is a folder of an earlier file, or the other way round, goes flat.
        let key = |p: &[String]| p.join("/").to_lowercase();
        let clashes = (1..parts.len()).any(|n| self.taken.contains(&key(&parts[..n])))
            || self.files.iter().any(|f| f.len() > parts.len() && key(&f[..parts.len()]) == key(&parts));
        if clashes {
            parts = vec![parts.join("_")];
        }
        let mut n = 1;
        let stem_and_ext = parts.last().map(|last| split_ext(last)).unwrap_or_default();
        while self.taken.contains(&key(&parts)) {
            n += 1;
            if let Some(last) = parts.last_mut() {
                *last = format!("{} ({n}){}", stem_and_ext.0, stem_and_ext.1);
            }
        }
        let mut path = self.root();
        for part in &parts {
            path.push(part);
        }
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        self.taken.insert(key(&parts));
        self.files.push(parts);
        Ok(file)
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> UploadError {
        UploadError::Store(e.to_string())
    }
}

/// A parameter field: a few bytes at most.
async fn small_field(field: axum::extract::multipart::Field<'_>) -> Result<String, UploadError> {
    let text = field.text().await.map_err(|e| UploadError::Unreadable(e.body_text()))?;
    Ok(text.trim().chars().take(64).collect())
}

fn split_ext(name: &str) -> (String, String) {
    match name.rfind('.') {
        Some(i) if i > 0 => (name[..i].to_string(), name[i..].to_string()),
        _ => (name.to_string(), String::new()),
    }
}

/// The path components of an uploaded file's name that are safe to create: no `..`, no hidden
/// files, no drive letters or separators, printable characters only, at most the last few levels.
pub(crate) fn sanitize(name: &str) -> Vec<String> {
    let parts: Vec<String> = name
        .split(['/', '\\'])
        .filter(|c| !(c.len() == 2 && c.ends_with(':')))
        .filter_map(|component| {
            let cleaned: String = component
                .chars()
                .filter(|c| !c.is_control())
                .map(|c| if c.is_alphanumeric() || " -_.()[]%@+,#&=~".contains(c) { c } else { '_' })
                .take(MAX_COMPONENT)
                .collect();
            let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
            (!cleaned.is_empty()).then_some(cleaned)
        })
        .collect();
    let skip = parts.len().saturating_sub(MAX_DEPTH);
    parts.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_leave_the_folder() {
        assert_eq!(sanitize("../../etc/passwd"), ["etc", "passwd"]);
        assert_eq!(sanitize("/abs/path.evtx"), ["abs", "path.evtx"]);
        assert_eq!(sanitize(r"C:\Users\me\Application.evtx"), ["Users", "me", "Application.evtx"]);
        assert_eq!(sanitize(".hidden"), ["hidden"]);
        assert_eq!(sanitize("..."), Vec::<String>::new());
        assert_eq!(sanitize("a/b/c/d/e/f.xml"), ["c", "d", "e", "f.xml"]);
        assert_eq!(sanitize("Key Management Service.evtx"), ["Key Management Service.evtx"]);
        assert_eq!(sanitize("x<script>.txt"), ["x_script_.txt"]);
        assert_eq!(sanitize("应用程序.evtx"), ["应用程序.evtx"]);
        assert_eq!(sanitize("nul\0byte"), ["nulbyte"]);
    }

    fn budget() -> Arc<Budget> {
        Arc::new(Budget::new(2, 1024))
    }

    #[tokio::test]
    async fn files_land_inside_and_the_folder_goes_with_the_upload() {
        let mut upload = Upload::new(&budget()).unwrap();
        let dir = upload.dir.path().to_path_buf();
        upload.create("../../x.txt").await.unwrap();
        upload.create("x.txt").await.unwrap();
        upload.create("fleet/pc-a/Application.xml").await.unwrap();
        upload.create("x.txt/inner").await.unwrap();
        let mut names: Vec<String> = upload.files.iter().map(|f| f.join("/")).collect();
        names.sort();
        assert_eq!(names, ["fleet/pc-a/Application.xml", "x (2).txt", "x.txt", "x.txt_inner"]);
        assert!(dir.join("upload/x (2).txt").is_file());
        assert_eq!(upload.scan_root(), upload.root());
        drop(upload);
        assert!(!dir.exists());
    }

    #[tokio::test]
    async fn one_common_folder_is_scanned_like_the_command_line() {
        let mut upload = Upload::new(&budget()).unwrap();
        upload.create("fleet/pc-a/Application.xml").await.unwrap();
        upload.create("fleet/pc-b/Application.xml").await.unwrap();
        assert_eq!(upload.scan_root(), upload.root().join("fleet"));
    }

    #[tokio::test]
    async fn slots_and_space_are_shared_and_given_back() {
        let budget = budget();
        let mut a = Upload::new(&budget).unwrap();
        let _b = Upload::new(&budget).unwrap();
        assert_eq!(Upload::new(&budget).unwrap_err(), UploadError::Busy { slots: 2 });
        let mut file = a.create("x.txt").await.unwrap();
        a.store(&mut file, &[b'x'; 1000]).await.unwrap();
        assert_eq!(a.store(&mut file, &[b'x'; 100]).await.unwrap_err(), UploadError::NoSpace { space: 1024 });
        drop(file);
        drop(a);
        assert_eq!(budget.used.load(Ordering::Acquire), 0);
        assert!(Upload::new(&budget).is_ok(), "the slot came back");
    }
}
