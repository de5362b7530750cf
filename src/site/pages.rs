//! The site's files: every page rendered with minijinja (HTML escaped by
//! the engine), the stylesheet, and the media copied. The folder is built
//! beside `--out` and swapped in whole, so a half-built site is never
//! served; a folder postcal did not make is never replaced.

use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};

use super::model::Site;

/// Marks a folder as one `postcal site` wrote (and may replace).
pub const MARKER: &str = ".postcal-site";

const TEMPLATES: [(&str, &str); 6] = [
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("index.html", include_str!("templates/index.html")),
    ("month.html", include_str!("templates/month.html")),
    ("week.html", include_str!("templates/week.html")),
    ("post.html", include_str!("templates/post.html")),
];

const STYLE: &str = include_str!("style.css");

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{0} exists and is not a site postcal wrote (it has no {MARKER}); nothing was written")]
    NotOurs(PathBuf),
    #[error(
        "{} has files `postcal site` did not write ({}); they would be lost, so nothing was written",
        dir.display(),
        files.join(", ")
    )]
    Foreign { dir: PathBuf, files: Vec<String> },
    #[error("{0} is a symbolic link; nothing was written")]
    Link(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a page cannot be rendered: {0}")]
    Template(#[from] minijinja::Error),
}

/// Every page of `site`: (path in the folder, HTML).
pub fn render(site: &Site) -> Result<Vec<(String, String)>, SiteError> {
    let mut env = Environment::new();
    for (name, text) in TEMPLATES {
        env.add_template(name, text)?;
    }
    let mut pages = Vec::new();
    // Made a template value once: every page reads the whole site (its
    // navigation), and values are shared, not copied.
    let whole = Value::from(Serde(site));
    let top = |name: &str, current: &str, extra: Value| {
        env.get_template(name)?.render(context! {
            site => whole.clone(), root => "", current => current, ..extra
        })
    };
    pages.push(("index.html".to_owned(), top("index.html", "", context! {})?));
    for month in &site.months {
        pages.push((
            format!("month-{}.html", month.slug),
            top(
                "month.html",
                &month.slug,
                context! { month => Value::from(Serde(month)) },
            )?,
        ));
    }
    for (i, week) in site.weeks.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| site.weeks[j].slug.as_str());
        let next = site.weeks.get(i + 1).map(|w| w.slug.as_str());
        pages.push((
            format!("week-{}.html", week.slug),
            top(
                "week.html",
                "",
                context! { week => Value::from(Serde(week)), prev => prev, next => next },
            )?,
        ));
    }
    let post = env.get_template("post.html")?;
    if let Some(html) = &site.results_page {
        pages.push(("results.html".to_owned(), html.clone()));
    }
    for p in &site.posts {
        pages.push((
            p.href.clone(),
            post.render(context! {
                site => whole.clone(), root => "../", current => "", post => Value::from(Serde(p))
            })?,
        ));
    }
    Ok(pages)
}

/// Write `site` to `out` whole: built in a folder beside it, then swapped
/// in. Returns how many pages were written.
pub fn write(site: &Site, out: &Path) -> Result<usize, SiteError> {
    if out
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(SiteError::Link(out.to_owned()));
    }
    if out.exists() && !out.join(MARKER).exists() && !is_empty_dir(out) {
        return Err(SiteError::NotOurs(out.to_owned()));
    }
    // The marker lists what the last run wrote: anything else in the
    // folder is someone's, and is not thrown away with the old site.
    if let Ok(list) = std::fs::read_to_string(out.join(MARKER)) {
        let ours: std::collections::HashSet<&str> = list.lines().collect();
        let files: Vec<String> = files_in(out)
            .into_iter()
            .filter(|f| f != MARKER && !ours.contains(f.as_str()))
            .take(5)
            .collect();
        if !files.is_empty() {
            return Err(SiteError::Foreign {
                dir: out.to_owned(),
                files,
            });
        }
    }
    let pages = render(site)?;
    let name = out
        .file_name()
        .map_or("site".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| SiteError::Write { path, source }
    };
    std::fs::create_dir_all(parent).map_err(fail(parent))?;
    let building = parent.join(format!(".{name}.postcal-building"));
    if building.exists() {
        std::fs::remove_dir_all(&building).map_err(fail(&building))?;
    }
    let put = |rel: &str, bytes: &[u8]| -> Result<(), SiteError> {
        let path = building.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail(dir))?;
        }
        std::fs::write(&path, bytes).map_err(fail(&path))
    };
    let mut written: Vec<String> = vec!["style.css".to_owned()];
    written.extend(pages.iter().map(|(rel, _)| rel.clone()));
    written.extend(site.media.iter().map(|(rel, _)| format!("files/{rel}")));
    let marker = format!(
        "# Written by `postcal site`, which replaces this folder whole; the files it wrote:\n{}\n",
        written.join("\n")
    );
    let built = (|| {
        put(MARKER, marker.as_bytes())?;
        put("style.css", STYLE.as_bytes())?;
        for (rel, html) in &pages {
            put(rel, html.as_bytes())?;
        }
        for (rel, from) in &site.media {
            let to = building.join("files").join(rel);
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).map_err(fail(dir))?;
            }
            std::fs::copy(from, &to).map_err(fail(from))?;
        }
        Ok(())
    })();
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&building);
        return Err(e);
    }
    // The old site goes only once the new one is complete.
    let old = parent.join(format!(".{name}.postcal-old"));
    if out.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(fail(&old))?;
        }
        if let Err(e) = std::fs::rename(out, &old) {
            let _ = std::fs::remove_dir_all(&building);
            return Err(fail(out)(e));
        }
    }
    if let Err(e) = std::fs::rename(&building, out) {
        let _ = std::fs::remove_dir_all(&building);
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        return Err(fail(out)(e));
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(fail(&old))?;
    }
    Ok(pages.len())
}

/// Every file under `dir`, from it, with `/`.
fn files_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file()
            && let Ok(rel) = entry.path().strip_prefix(dir)
        {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    out.sort();
    out
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}
