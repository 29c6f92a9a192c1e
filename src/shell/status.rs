//! A background task that keeps a status line (uptime, tasks, heap) in the screen's top-right
//! corner, once a second: cooperative multitasking next to the shell, visible.

use crate::console::{self, text_grid::Color, text_grid::ColorCode};
use crate::task::executor::Spawner;
use crate::task::runtime;
use crate::time;
use alloc::format;
use core::time::Duration;
use futures_util::StreamExt;

const STATUS_COLOR: ColorCode = ColorCode::new(Color::White, Color::Blue);

pub async fn run(spawner: Spawner) {
    let mut every_second = runtime::interval(Duration::from_secs(1));
    loop {
        let seconds = time::uptime().as_secs();
        let text = format!(
            " up {:02}:{:02}:{:02} | {} tasks ",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            spawner.task_count()
        );
        console::show_status(&text, STATUS_COLOR);
        every_second.next().await;
    }
}
